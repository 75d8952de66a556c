"""discord stage of Dateline."""
