"""Index: news and price windows in Chroma, point-in-time retrieval through LlamaIndex."""
