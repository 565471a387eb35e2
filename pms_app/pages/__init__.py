"""One module per page group; each page's state sits beside it."""
