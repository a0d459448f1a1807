//! The lexer: source text to tokens with byte spans.
