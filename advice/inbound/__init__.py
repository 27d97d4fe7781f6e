"""Email in: questions and replies sent to the offices' addresses become cases and entries.

Configuration (``instance/config.py``, or ``ADVICE_INBOUND_MAILBOXES`` as JSON): the
mailboxes are app configuration, not database rows, because they hold server passwords,
which belong with the other secrets and never in a database dump or the admin UI.

    INBOUND_MAILBOXES = [
        {
            "name": "stockholm",                      # unique; shown in the quarantine
            "office": "stockholm",                    # office code: new cases go there
            "address": "energiradgivning@stockholm.se",  # what this mailbox receives
            "aliases": ["klimatradgivning@stockholm.se"],  # more addresses, same office
            "host": "imap.stockholm.se",
            "port": 993,                              # default by security: 993 / 143
            "security": "tls",                        # "tls" | "starttls" ("none": 127.0.0.1 only)
            "username": "svc-energiradgivning",
            "password": "…",
            "folder": "INBOX",
            "processed_folder": "Behandlat",          # recommended for Exchange (see imap.py)
            "ca_file": None,                          # a private CA, if the server uses one
        },
    ]
    INBOUND_REPLY_ADDRESS = None      # one regional reply address; default: the case
                                      # office's mailbox address, else the first mailbox
    INBOUND_MAX_MESSAGE_BYTES = 15 * 1024 * 1024
    INBOUND_SENDER_LIMIT = 20         # messages per sender per window, then ignored
    INBOUND_SENDER_WINDOW_SECONDS = 3600
    INBOUND_MAX_ATTACHMENTS = 10
    INBOUND_REPLY_MAX_AGE_DAYS = 365  # a reply to a case closed longer ago opens a new one
    INBOUND_KEEP_IGNORED_DAYS = 30    # ignored mail keeps only its Message-ID after this

The receiving address decides the office of a new case: an office's own ``email``, or a
mailbox's ``address``/``aliases``; mail to none of them goes to the mailbox's office.
Replies come back through plus addressing (``energiradgivning+EK-2026-00042.<sig>@…``),
which the mail server must deliver to the plain mailbox. Set ``SERVER_NAME`` (and
``PREFERRED_URL_SCHEME``) so the receipt's tracking link is absolute.

Run ``flask --app advice fetch-mail`` every minute (a systemd timer or cron), or
``fetch-mail --loop 60`` as a long-running worker.
"""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("inbound", __name__)
