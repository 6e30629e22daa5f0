-- Agents' chat identities were their sign-in emails, which customers saw
-- as the author of every reply. An agent's identity is now opaque:
-- 'agent_' and the hex of its SID (identity.OfAgent). Every place that
-- names an agent's old identity is renamed, so conversations, receipts,
-- notes, uploads, canned responses, workers and the event log still
-- point at the same agent. A worker's document names the agent in its
-- contact_uri (inside its attributes, a JSON string within the JSON
-- document, so its quotes are escaped) and friendly_name; an
-- interaction's participant, in its identity.
CREATE TEMP TABLE agent_renames AS
	SELECT identity AS old, 'agent_' || lower(substr(sid, 3)) AS new
	FROM agents WHERE identity NOT LIKE 'agent\_%' ESCAPE '\';

UPDATE participants SET identity = (SELECT new FROM agent_renames WHERE old = participants.identity)
	WHERE identity IN (SELECT old FROM agent_renames);
UPDATE messages SET author = (SELECT new FROM agent_renames WHERE old = messages.author)
	WHERE author IN (SELECT old FROM agent_renames);
UPDATE users SET identity = (SELECT new FROM agent_renames WHERE old = users.identity)
	WHERE identity IN (SELECT old FROM agent_renames);
UPDATE notes SET author = (SELECT new FROM agent_renames WHERE old = notes.author)
	WHERE author IN (SELECT old FROM agent_renames);
UPDATE media SET author = (SELECT new FROM agent_renames WHERE old = media.author)
	WHERE author IN (SELECT old FROM agent_renames);
UPDATE canned_responses SET created_by = (SELECT new FROM agent_renames WHERE old = canned_responses.created_by)
	WHERE created_by IN (SELECT old FROM agent_renames);
UPDATE events SET target = (SELECT new FROM agent_renames WHERE old = events.target)
	WHERE target IN (SELECT old FROM agent_renames);
UPDATE events SET data = (SELECT replace(data, '"' || old || '"', '"' || new || '"') FROM agent_renames
		WHERE instr(events.data, '"' || old || '"') > 0 LIMIT 1)
	WHERE EXISTS (SELECT 1 FROM agent_renames WHERE instr(events.data, '"' || old || '"') > 0);
UPDATE routing_objects SET body = (SELECT replace(replace(body,
			'client:' || old || '\"', 'client:' || new || '\"'),
			'"friendly_name":"' || old || '"', '"friendly_name":"' || new || '"')
		FROM agent_renames WHERE instr(routing_objects.body, 'client:' || old || '\"') > 0 LIMIT 1)
	WHERE kind = 'worker' AND EXISTS (SELECT 1 FROM agent_renames WHERE instr(routing_objects.body, 'client:' || old || '\"') > 0);
UPDATE interaction_objects SET body = (SELECT replace(body, '"identity":"' || old || '"', '"identity":"' || new || '"')
		FROM agent_renames WHERE instr(interaction_objects.body, '"identity":"' || old || '"') > 0 LIMIT 1)
	WHERE EXISTS (SELECT 1 FROM agent_renames WHERE instr(interaction_objects.body, '"identity":"' || old || '"') > 0);
UPDATE agents SET identity = (SELECT new FROM agent_renames WHERE old = agents.identity)
	WHERE identity IN (SELECT old FROM agent_renames);

DROP TABLE agent_renames;
