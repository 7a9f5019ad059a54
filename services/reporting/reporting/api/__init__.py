"""Read-model API for the gateway and the city bureau."""
