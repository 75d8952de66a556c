"""store stage of Dateline."""
