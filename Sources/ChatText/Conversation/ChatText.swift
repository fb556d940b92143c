// Placeholder until the chat front-end lands.
