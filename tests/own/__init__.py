"""Resources written for the tests of a user's project (``examples/inventory``): what a team
might write that the harness must still measure truthfully."""
