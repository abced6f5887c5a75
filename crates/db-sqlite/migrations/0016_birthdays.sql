-- A customer's birthday (MM-DD), for the birthday trigger; set by the customer on their profile.
ALTER TABLE users ADD COLUMN birthday TEXT;
CREATE INDEX users_by_birthday ON users (birthday) WHERE birthday IS NOT NULL;
