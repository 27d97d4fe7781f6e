"""Attachments: checked by content, kept under instance/, served after an access check."""
