"""`newssift evaluate TASK PATH`: one module a task, each printing one JSON object of metrics."""
