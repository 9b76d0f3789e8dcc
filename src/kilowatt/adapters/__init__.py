"""The outside world behind the services' ports: email (SMTP), and later payments, SMS..."""
