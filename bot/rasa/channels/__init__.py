"""Chat channels beyond Rasa's built-in REST and socket.io: Microsoft Teams, Telegram, and the
credentials file that switches each channel on only when its settings are in the environment."""
