"""digest stage of Dateline."""
