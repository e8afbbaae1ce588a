# Shared settings for the bin/ scripts: sourced, not run. Every value can be overridden from the environment.
# Development defaults are safe on one machine (everything on 127.0.0.1); production refuses the default token.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export APP_ENV="${APP_ENV:-development}"
export BOT_VENV="${BOT_VENV:-$ROOT/.venv-bot}"
export APP_VENV="${APP_VENV:-$ROOT/.venv-app}"
export VAR_DIR="${VAR_DIR:-$ROOT/var}"
export MODEL_DIR="${MODEL_DIR:-$ROOT/models}"
export MODEL_NAME="${MODEL_NAME:-tro-ly-vneid}"
export RASA_HOST=127.0.0.1
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export RASA_TOKEN="${RASA_TOKEN:-dev-rasa-token-change-me}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///$VAR_DIR/rasa_tracker.db}"
export CONTENT_DIR="${CONTENT_DIR:-$ROOT/content}"
export CONTENT_OVERRIDES="${CONTENT_OVERRIDES:-$VAR_DIR/content-overrides.yml}"  # the commune's console edits
export PORT="${PORT:-8080}"
# honcho gives every process its own PORT (base + 100 × position): the Procfile reads this one instead
export GATEWAY_PORT="$PORT"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$VAR_DIR/gateway.db}"
export SECRET_KEY="${SECRET_KEY:-dev-secret-key-change-me}"
export FLASK_APP=gateway
export SANIC_HOST=127.0.0.1           # the action server listens on loopback only
export RASA_TELEMETRY_ENABLED=false   # no network at run time
export TF_CPP_MIN_LOG_LEVEL=2
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

if [ "$APP_ENV" = "production" ]; then
  if [ "$RASA_TOKEN" = "dev-rasa-token-change-me" ] || [ "$SECRET_KEY" = "dev-secret-key-change-me" ]; then
    echo "Refusing to start in production with a default secret: set RASA_TOKEN and SECRET_KEY." >&2
    exit 78
  fi
fi

bot_run() { "$BOT_VENV/bin/rasa" "$@"; }
