package model

// TaskRouter resources, in Twilio's JSON shape.

// Workspace is a TaskRouter workspace.
type Workspace struct {
	AccountSID           string            `json:"account_sid"`
	SID                  string            `json:"sid"`
	FriendlyName         string            `json:"friendly_name"`
	DefaultActivityName  string            `json:"default_activity_name"`
	DefaultActivitySID   string            `json:"default_activity_sid"`
	TimeoutActivityName  string            `json:"timeout_activity_name"`
	TimeoutActivitySID   string            `json:"timeout_activity_sid"`
	EventCallbackURL     *string           `json:"event_callback_url"`
	EventsFilter         *string           `json:"events_filter"`
	MultiTaskEnabled     bool              `json:"multi_task_enabled"`
	PrioritizeQueueOrder string            `json:"prioritize_queue_order"`
	DateCreated          Time              `json:"date_created"`
	DateUpdated          Time              `json:"date_updated"`
	URL                  string            `json:"url"`
	Links                map[string]string `json:"links"`
}

// Activity is a state a worker can be in.
type Activity struct {
	AccountSID   string            `json:"account_sid"`
	SID          string            `json:"sid"`
	WorkspaceSID string            `json:"workspace_sid"`
	FriendlyName string            `json:"friendly_name"`
	Available    bool              `json:"available"`
	DateCreated  Time              `json:"date_created"`
	DateUpdated  Time              `json:"date_updated"`
	URL          string            `json:"url"`
	Links        map[string]string `json:"links"`
}

// TaskChannel is a kind of work.
type TaskChannel struct {
	AccountSID              string            `json:"account_sid"`
	SID                     string            `json:"sid"`
	WorkspaceSID            string            `json:"workspace_sid"`
	FriendlyName            string            `json:"friendly_name"`
	UniqueName              string            `json:"unique_name"`
	ChannelOptimizedRouting bool              `json:"channel_optimized_routing"`
	DateCreated             Time              `json:"date_created"`
	DateUpdated             Time              `json:"date_updated"`
	URL                     string            `json:"url"`
	Links                   map[string]string `json:"links"`
}

// Worker is an agent tasks are offered to.
type Worker struct {
	AccountSID        string            `json:"account_sid"`
	SID               string            `json:"sid"`
	WorkspaceSID      string            `json:"workspace_sid"`
	FriendlyName      string            `json:"friendly_name"`
	Attributes        string            `json:"attributes"`
	ActivitySID       string            `json:"activity_sid"`
	ActivityName      string            `json:"activity_name"`
	Available         bool              `json:"available"`
	DateStatusChanged Time              `json:"date_status_changed"`
	DateCreated       Time              `json:"date_created"`
	DateUpdated       Time              `json:"date_updated"`
	URL               string            `json:"url"`
	Links             map[string]string `json:"links"`
}

// WorkerChannel is a worker's capacity on one task channel.
type WorkerChannel struct {
	AccountSID                  string `json:"account_sid"`
	SID                         string `json:"sid"`
	WorkspaceSID                string `json:"workspace_sid"`
	WorkerSID                   string `json:"worker_sid"`
	TaskChannelSID              string `json:"task_channel_sid"`
	TaskChannelUniqueName       string `json:"task_channel_unique_name"`
	ConfiguredCapacity          int    `json:"configured_capacity"`
	AssignedTasks               int    `json:"assigned_tasks"`
	Available                   bool   `json:"available"`
	AvailableCapacityPercentage int    `json:"available_capacity_percentage"`
	DateCreated                 Time   `json:"date_created"`
	DateUpdated                 Time   `json:"date_updated"`
	URL                         string `json:"url"`
}

// TaskQueue holds tasks for the workers its expression picks.
type TaskQueue struct {
	AccountSID              string            `json:"account_sid"`
	SID                     string            `json:"sid"`
	WorkspaceSID            string            `json:"workspace_sid"`
	FriendlyName            string            `json:"friendly_name"`
	TargetWorkers           string            `json:"target_workers"`
	MaxReservedWorkers      int               `json:"max_reserved_workers"`
	TaskOrder               string            `json:"task_order"`
	ReservationActivitySID  *string           `json:"reservation_activity_sid"`
	ReservationActivityName *string           `json:"reservation_activity_name"`
	AssignmentActivitySID   *string           `json:"assignment_activity_sid"`
	AssignmentActivityName  *string           `json:"assignment_activity_name"`
	DateCreated             Time              `json:"date_created"`
	DateUpdated             Time              `json:"date_updated"`
	URL                     string            `json:"url"`
	Links                   map[string]string `json:"links"`
}

// Workflow routes tasks to queues.
type Workflow struct {
	AccountSID                    string            `json:"account_sid"`
	SID                           string            `json:"sid"`
	WorkspaceSID                  string            `json:"workspace_sid"`
	FriendlyName                  string            `json:"friendly_name"`
	Configuration                 string            `json:"configuration"`
	DocumentContentType           string            `json:"document_content_type"`
	AssignmentCallbackURL         *string           `json:"assignment_callback_url"`
	FallbackAssignmentCallbackURL *string           `json:"fallback_assignment_callback_url"`
	TaskReservationTimeout        int               `json:"task_reservation_timeout"`
	DateCreated                   Time              `json:"date_created"`
	DateUpdated                   Time              `json:"date_updated"`
	URL                           string            `json:"url"`
	Links                         map[string]string `json:"links"`
}
