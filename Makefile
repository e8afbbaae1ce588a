# Trợ lý VNeID. The two commands: `make run` and `make test` (see README.md).
.PHONY: run test check envs train eval eval-baseline eval-compare validate bench bench-stack bench-province bench-privacy admin clean

run:            ## environments + model if needed, then every service on loopback (Ctrl-C stops)
	bin/run

test:           ## the whole suite (lint, validate, unit, stories, held-out NLU gate, end to end)
	bin/test

check:          ## the edit-test loop: ruff (lint + format) and the tests marked unit, no Rasa, browser or server
	bin/check

envs:           ## create/update both Python environments from requirements/
	bin/setup-envs

train: envs     ## train the production model if the data changed
	bin/train

validate: envs  ## rasa data validate
	bash -c 'source bin/env.sh && bot_run data validate --domain bot/domain.yml --data bot/data --config config.yml --fail-on-warnings'

eval: train     ## held-out NLU table: production model, beside the stock ones if eval-compare trained them
	bin/eval

eval-baseline: train  ## accept the current held-out results as the regression baseline (review the diff!)
	bash -c 'source bin/env.sh && "$$BOT_VENV/bin/python" -m tools.nlu_eval "$$MODEL_DIR/$$MODEL_NAME.tar.gz" --baseline tests/nlu/baseline.json --write-baseline'

eval-compare: envs  ## production pipeline vs Rasa's stock pipeline, several seeds (slow: ~30 min)
	bin/eval-compare

bench: train    ## serving figures: cold start, REST latency p50/p95, memory
	bash -c 'source bin/env.sh && "$$APP_VENV/bin/python" -m tools.bench_bot'

bench-stack: train  ## the whole stack under load: gateway vs straight to Rasa, p50/p95/p99, CPU and memory (ARGS=…)
	bash -c 'source bin/env.sh && "$$APP_VENV/bin/python" -m tools.bench_stack --json results/bench_stack.json $(ARGS)'

bench-province: train  ## 1 commune vs the province's 166 under load: throughput, p95, memory side by side (PostgreSQL, 2 Rasa; ARGS=…)
	bash -c 'source bin/env.sh && "$$APP_VENV/bin/python" -m tools.bench_province $(ARGS)'

bench-privacy: envs  ## the secret detector on the adversarial corpus: masked % per kind/channel, benign kept %, speed vs ordinary, growth (ARGS=…)
	bash -c 'source bin/env.sh && "$$APP_VENV/bin/python" -m tools.bench_privacy --json results/bench_privacy.json $(ARGS)'

admin: envs     ## create a staff admin account in the gateway database (prompts)
	bash -c 'source bin/env.sh && mkdir -p "$$VAR_DIR" && "$$APP_VENV/bin/flask" db-upgrade && "$$APP_VENV/bin/flask" create-admin'

clean:
	rm -rf models results var
