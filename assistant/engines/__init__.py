"""The three engines behind the router: finance QA, forecaster (assistant.engines.forecast), sentiment."""
