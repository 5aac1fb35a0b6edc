"""Microsoft Teams: ``input`` (webhook and activities), ``output`` (replies through the connector), ``auth``."""
