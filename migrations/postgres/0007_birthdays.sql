-- A customer's birthday (MM-DD), for the birthday trigger; set by the customer on their profile.
ALTER TABLE users ADD COLUMN birthday TEXT;
