"""Identity-free registration: taxonomy, summary rules, identity scrubber and summaries."""
