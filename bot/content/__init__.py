"""Teaching content and the sourced knowledge base."""
