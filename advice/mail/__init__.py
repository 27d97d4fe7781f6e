"""Email: rendered in the recipient's language, stored in an outbox, delivered after commit.

- ``rendering``: templates/mail/<name>.txt and .html become a subject, a text and an HTML part.
- ``services``: the outbox (queue, deliver by SMTP or to .eml files, retry, purge).
- ``notifications``: what advisers and requesters are sent.
- ``cli``: ``send-mail`` and ``send-digests``.
"""
