"""The Telegram bot: its commands and button presses (commands) and what it announces about
lotteries and downloads (messages; polls, nights and ratings keep their own in their packages)."""
