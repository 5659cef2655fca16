"""The console's full screens: the war room, the incidents screen and the post-mortem editor."""
