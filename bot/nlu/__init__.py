"""Vietnamese text handling for the NLU pipeline.

`text`, `sensitive`, `errors` and `signals` are plain Python (no Rasa import) so that evaluation scripts and tests
can use them; the other modules wrap them as Rasa 3.6 graph components. Order in config.yml (each is explained where
it is defined):

    SentenceSplitter        first (sentences.py): a message of several sentences also travels as one message per
                            sentence
    VietnameseTokenizer     (tokenizer.py), then the featurizers, LinearIntentClassifier (linear_intent.py) and
                            FallbackClassifier: classify the whole and every sentence
    SentenceVote            (sentences.py) the sentences go; a confident login problem in one of them wins over a
                            vaguer whole
    ErrorCatalogueMatcher   (error_screens.py) a message the screens show (content/errors.yml) decides the problem
    ContextSignals          (context_signals.py) entities `purpose` and `helper`; the classifier's guess checked
                            against them (a problem needs a word of logging in unless said with confidence; another
                            service's account is out of scope)
    SensitiveDataSignal     last (sensitive_signal.py): secrets

SentenceSplitter, SentenceVote, ErrorCatalogueMatcher and ContextSignals share component_base.py (a config-only base,
the measurement switches, the edits to a parse). Measurement switches (environment, read per message; for
`make eval` comparisons only): VNEID_SENTENCE_VOTE=0 and VNEID_ERROR_CATALOGUE=0 turn the sentence vote and the
error catalogue off.
"""
