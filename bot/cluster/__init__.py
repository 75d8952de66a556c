"""Running Dateline as several processes: which shards and guilds each one owns."""
