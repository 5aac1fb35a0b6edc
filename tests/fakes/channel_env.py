"""Settings the test Rasa server runs with: every channel on, Teams and Telegram pointed at local
fakes (tests/fakes/botframework.py, tests/fakes/telegram.py) on fixed loopback ports."""

from __future__ import annotations

TEAMS_FAKE_PORT = 5071
TELEGRAM_FAKE_PORT = 5072

TEAMS_APP_ID = "6f1c2d3e-0000-4000-8000-00000000a001"
TEAMS_TENANT_ID = "6f1c2d3e-0000-4000-8000-00000000e001"
TELEGRAM_TOKEN = "123456:TEST-token-for-the-fake-api"
TELEGRAM_SECRET = "test-webhook-secret-1"
# The key of the pseudonymous sender ids (bot.core.privacy.pseudonym) the test bot uses.
SENDER_KEY = "test-sender-id-key-for-the-local-fakes-only"

CHANNEL_ENV = {
    "TEAMS_APP_ID": TEAMS_APP_ID,
    "TEAMS_APP_PASSWORD": "test-app-password",
    "TEAMS_TENANT_ID": TEAMS_TENANT_ID,
    "TEAMS_OPENID_METADATA_URL": f"http://127.0.0.1:{TEAMS_FAKE_PORT}/v1/.well-known/openidconfiguration",
    "TEAMS_TOKEN_URL": f"http://127.0.0.1:{TEAMS_FAKE_PORT}/{TEAMS_TENANT_ID}/oauth2/v2.0/token",
    "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    "TELEGRAM_MODE": "webhook",
    "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
    "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{TELEGRAM_FAKE_PORT}/bot",
    "SENDER_ID_KEY": SENDER_KEY,
}
