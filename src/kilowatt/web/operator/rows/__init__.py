"""What the dashboard's tables show of a domain object: small frozen presenters, one module
per area, built from the services' answers with the page's gettext. Their values are words
and formatted texts; templates read them and decide nothing."""
