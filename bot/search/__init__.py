"""Full-text, typo-tolerant search over an archive, with autocomplete."""
