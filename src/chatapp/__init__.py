"""chatapp: a chat backend that speaks the Strapi chat app's protocols."""
