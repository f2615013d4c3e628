"""The expert directory: profiles, search, ranked suggestions for a request, workload and import."""
