"""The audience: platform events in (comments, gifts, viewers), answers from approved facts out."""
