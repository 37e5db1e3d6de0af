-- Temporal keeps its own databases beside the hub's.
CREATE DATABASE temporal OWNER hub;
CREATE DATABASE temporal_visibility OWNER hub;
