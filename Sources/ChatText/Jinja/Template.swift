// Placeholder until the Jinja interpreter lands.
