"""Knowledge management: versioned documents, the approval workflow, curated answers and gaps."""
