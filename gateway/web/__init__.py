"""What the gateway's HTTP side shares, below the blueprints and the hardening that both use it: the app's services
(`current`), bounded JSON bodies (`bodies`), row ids in routes and query strings (`ids`), error answers in JSON or
as a page (`answers`), and what kind of endpoint a request reached (`endpoints`)."""
