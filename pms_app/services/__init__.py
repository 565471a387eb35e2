"""The domain: plain functions taking (session, actor, ...). No Reflex imports here."""
