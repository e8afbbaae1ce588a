"""Vietnamese text handling for the NLU pipeline.

`text` and `sensitive` are plain Python (no Rasa import) so that evaluation scripts and tests can use them;
`tokenizer` and `sensitive_signal` wrap them as Rasa 3.6 graph components.
"""
