"""Privacy duties: retention (gallring) and anonymisation of personal data."""
