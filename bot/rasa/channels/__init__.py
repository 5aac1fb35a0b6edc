"""The bot's Rasa input channels, each named in credentials.yml by its dotted path.

- ``rest.RestInput`` and ``webchat.WebChatInput``: Rasa's REST and socket.io protocols, each bot
  message kept whole;
- ``teams.input.TeamsInput``: Microsoft Teams (``teams/``: input, output, auth);
- ``telegram.input.TelegramInput``: Telegram (``telegram/``: input, output, polling, text, settings, client);
- ``guard``: what every channel does around Rasa (limits, payloads, the apology);
- ``base`` (the ``OnNewMessage`` callback type, ``ChannelConfigError``) and ``bounded`` (the bounded
  map for redelivered ids and button payloads): what the channels share.

Which channels are on is decided by bot/generate/credentials.py from the environment.
"""
