"""The dashboard: a web console served at `/` by the controller, rendered on the server
(Jinja2 + htmx). Pages call the services' API apps in-process (the same handlers, policies
and views the API serves, without a socket or a second token check over HTTP)."""
