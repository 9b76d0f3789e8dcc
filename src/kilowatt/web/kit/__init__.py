"""What the web apps share: templates and their macros (templating.py, templates/), gettext
catalogs (i18n.py, translations/), static files and the front-end libraries (assets.py),
the words of connector states (states.py) and the Server-Timing header (timing.py). The kit
knows no app: the operator dashboard (web/operator) and the driver app build on it."""
