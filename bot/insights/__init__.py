"""What leaders ask and how the bot did: feedback, privacy masking, reports."""
