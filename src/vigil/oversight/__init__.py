"""The supervisor's overview: custody now, referrals waiting, and the figures behind them."""
