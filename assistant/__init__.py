"""The assistant: one model manager, one retrieval layer, three engines behind a router."""
