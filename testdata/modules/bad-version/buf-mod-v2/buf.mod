version: v2
