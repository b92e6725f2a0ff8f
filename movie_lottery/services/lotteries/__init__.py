"""Lotteries: creating and drawing them exactly once (lottery), and the commit–reveal maths
shared by the draw, the page's explanation and `flask verify-draw` (fairness)."""
