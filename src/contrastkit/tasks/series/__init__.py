"""The time-series task: UCR/UEA sets and the user's series, contrasted over crops."""
