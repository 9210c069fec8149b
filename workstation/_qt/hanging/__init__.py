"""The hanging protocol engine in the reading screen: apply on opening, stage/protocol keys, save the screen."""
