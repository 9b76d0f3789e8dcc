"""What the web apps share: the request's context, cookies and CSRF (context.py), typed query
strings and forms (forms.py), templates and their macros (templating.py, templates/), gettext
and the one catalog (i18n.py, translations/), static files and the front-end libraries
(assets.py), redirects and error pages (frame.py), values in words (formatting.py,
states.py) and the Server-Timing header (timing.py). The kit knows no app: the operator
dashboard (web/operator) and the driver app build on it."""
