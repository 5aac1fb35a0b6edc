"""What every channel module shares: the callback Rasa hands to a blueprint, and the configuration error.

Each channel's ``blueprint(on_new_message)`` gets the same callable from Rasa, so its type is spelled
out once here. A channel whose settings cannot work raises :class:`ChannelConfigError` when Rasa loads
it from the credentials file, so a wrong setting stops the server with a message naming the variable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
"""What Rasa passes to ``InputChannel.blueprint``: hands one user message to the agent."""


class ChannelConfigError(RasaException, ValueError):
    """A channel's settings cannot work; the message says which variable or credential to set.

    A RasaException, so that Rasa reports it as a usage error when it loads the channels, and a
    ValueError, because it is one: a wrong value in the credentials file or the environment.
    """
