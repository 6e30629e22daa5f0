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

// ReasonCustomerLeft is the reason of a task sent to wrap-up because its
// conversation closed under the agent (the customer ended the chat, or a
// timer or the API closed it): the desk says the customer left.
const ReasonCustomerLeft = "The conversation closed: the customer left"

// Task is a piece of work routing finds a worker for.
type Task struct {
	AccountSID            string            `json:"account_sid"`
	SID                   string            `json:"sid"`
	WorkspaceSID          string            `json:"workspace_sid"`
	Age                   int               `json:"age"` // seconds since it was created
	AssignmentStatus      string            `json:"assignment_status"`
	Attributes            string            `json:"attributes"`
	Addons                string            `json:"addons"`
	Priority              int               `json:"priority"`
	Reason                *string           `json:"reason"`
	TaskQueueSID          *string           `json:"task_queue_sid"`
	TaskQueueFriendlyName *string           `json:"task_queue_friendly_name"`
	TaskQueueEnteredDate  *Time             `json:"task_queue_entered_date"`
	TaskChannelSID        string            `json:"task_channel_sid"`
	TaskChannelUniqueName string            `json:"task_channel_unique_name"`
	Timeout               int               `json:"timeout"`
	WorkflowSID           *string           `json:"workflow_sid"`
	WorkflowFriendlyName  *string           `json:"workflow_friendly_name"`
	RoutingTarget         *string           `json:"routing_target"`
	IgnoreCapacity        bool              `json:"ignore_capacity"`
	VirtualStartTime      Time              `json:"virtual_start_time"`
	DateCreated           Time              `json:"date_created"`
	DateUpdated           Time              `json:"date_updated"`
	URL                   string            `json:"url"`
	Links                 map[string]string `json:"links"`
}

// Reservation offers a task to one worker.
type Reservation struct {
	AccountSID        string `json:"account_sid"`
	SID               string `json:"sid"`
	WorkspaceSID      string `json:"workspace_sid"`
	TaskSID           string `json:"task_sid"`
	WorkerSID         string `json:"worker_sid"`
	WorkerName        string `json:"worker_name"`
	ReservationStatus string `json:"reservation_status"`
	DateCreated       Time   `json:"date_created"`
	DateUpdated       Time   `json:"date_updated"`
	// DateExpires is when a pending reservation times out (Parley's own
	// field: the desktop counts down to it).
	DateExpires *Time             `json:"date_expires,omitempty"`
	URL         string            `json:"url"`
	Links       map[string]string `json:"links"`
}

// ActivityStatistic counts the workers in one activity.
type ActivityStatistic struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	Workers      int    `json:"workers"`
}

// RealTimeStatistics is a workspace's or a task queue's state now.
type RealTimeStatistics struct {
	AccountSID            string              `json:"account_sid"`
	WorkspaceSID          string              `json:"workspace_sid"`
	TaskQueueSID          string              `json:"task_queue_sid,omitempty"`
	ActivityStatistics    []ActivityStatistic `json:"activity_statistics"`
	LongestTaskWaitingAge int                 `json:"longest_task_waiting_age"` // seconds
	LongestTaskWaitingSID *string             `json:"longest_task_waiting_sid"`
	// For a queue: the longest a waiting task has been in this queue.
	LongestRelativeTaskAgeInQueue *int           `json:"longest_relative_task_age_in_queue,omitempty"`
	LongestRelativeTaskSIDInQueue *string        `json:"longest_relative_task_sid_in_queue,omitempty"`
	TasksByPriority               map[string]int `json:"tasks_by_priority"`
	TasksByStatus                 map[string]int `json:"tasks_by_status"`
	TotalTasks                    int            `json:"total_tasks"`
	TotalWorkers                  *int           `json:"total_workers,omitempty"`
	TotalAvailableWorkers         *int           `json:"total_available_workers,omitempty"`
	TotalEligibleWorkers          *int           `json:"total_eligible_workers,omitempty"`
	URL                           string         `json:"url"`
}

// Statistics wraps real-time statistics with cumulative ones, as
// TaskRouter's Statistics resources do.
type Statistics struct {
	AccountSID   string             `json:"account_sid"`
	WorkspaceSID string             `json:"workspace_sid"`
	TaskQueueSID string             `json:"task_queue_sid,omitempty"`
	Realtime     RealTimeStatistics `json:"realtime"`
	Cumulative   CumulativeStats    `json:"cumulative"`
	URL          string             `json:"url"`
}

// CumulativeStats counts what happened since Parley started or the
// workspace was created, whichever is later.
type CumulativeStats struct {
	AccountSID   string `json:"account_sid,omitempty"`
	WorkspaceSID string `json:"workspace_sid,omitempty"`
	TaskQueueSID string `json:"task_queue_sid,omitempty"`
	URL          string `json:"url,omitempty"`

	TasksCreated            int `json:"tasks_created"`
	TasksCanceled           int `json:"tasks_canceled"`
	TasksCompleted          int `json:"tasks_completed"`
	TasksDeleted            int `json:"tasks_deleted"`
	TasksMoved              int `json:"tasks_moved"`
	TasksTimedOutInWorkflow int `json:"tasks_timed_out_in_workflow"`
	ReservationsCreated     int `json:"reservations_created"`
	ReservationsAccepted    int `json:"reservations_accepted"`
	ReservationsRejected    int `json:"reservations_rejected"`
	ReservationsTimedOut    int `json:"reservations_timed_out"`
	ReservationsCanceled    int `json:"reservations_canceled"`
	ReservationsRescinded   int `json:"reservations_rescinded"`
}

// RoutingEvent is the data of the realtime reservation_* and task_updated
// events.
type RoutingEvent struct {
	EventType   string       `json:"event_type"` // TaskRouter's name: reservation.created, task.canceled ...
	Description string       `json:"description"`
	Task        Task         `json:"task"`
	Reservation *Reservation `json:"reservation,omitempty"`
	WorkerSID   string       `json:"worker_sid,omitempty"`
	// Worker is the worker that changed, for worker events (sent to
	// supervisors).
	Worker *Worker `json:"worker,omitempty"`
}

// Agent is a person who signs in to the desktop (Parley's own resource,
// /parley/v1/Agents).
type Agent struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	Email        string `json:"email"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"` // agent, supervisor or admin
	Identity     string `json:"identity"`
	WorkspaceSID string `json:"workspace_sid"`
	WorkerSID    string `json:"worker_sid"`
	DateCreated  Time   `json:"date_created"`
	DateUpdated  Time   `json:"date_updated"`
	URL          string `json:"url"`
}

// DeskLogin answers a desktop sign-in or token refresh.
type DeskLogin struct {
	Token     string       `json:"token"`
	ExpiresAt Time         `json:"expires_at"`
	Agent     Agent        `json:"agent"`
	Settings  DeskSettings `json:"settings"`
}

// DeskSettings are how the server's admin tuned the desk (serve's
// --wait-amber and --wait-red); the desk reads them at sign-in.
type DeskSettings struct {
	// WaitAmberSeconds and WaitRedSeconds are how long a customer may
	// await a reply before their chat's wait turns amber, then red, in the
	// agent's chat list.
	WaitAmberSeconds int `json:"wait_amber_seconds"`
	WaitRedSeconds   int `json:"wait_red_seconds"`
}

// The desk's default wait thresholds: a minute, then three.
const (
	DefaultWaitAmberSeconds = 60
	DefaultWaitRedSeconds   = 180
)

// WithDefaults fills what is unset (zero or negative) with the defaults;
// a red threshold not past the amber one is put past it, so the wait
// always turns amber before red.
func (s DeskSettings) WithDefaults() DeskSettings {
	if s.WaitAmberSeconds <= 0 {
		s.WaitAmberSeconds = DefaultWaitAmberSeconds
	}
	if s.WaitRedSeconds <= 0 {
		s.WaitRedSeconds = max(DefaultWaitRedSeconds, s.WaitAmberSeconds+1)
	}
	if s.WaitRedSeconds <= s.WaitAmberSeconds {
		s.WaitRedSeconds = s.WaitAmberSeconds + 1
	}
	return s
}

// QueuePosition is where a waiting task stands in its queue (Parley's
// own resource, under a task: .../Tasks/{sid}/QueuePosition; also the data
// of the realtime event queue_position).
type QueuePosition struct {
	AccountSID      string `json:"account_sid,omitempty"`
	WorkspaceSID    string `json:"workspace_sid"`
	TaskSID         string `json:"task_sid"`
	TaskQueueSID    string `json:"task_queue_sid,omitempty"`
	ConversationSID string `json:"conversation_sid,omitempty"`
	// AssignmentStatus is the task's: pending or reserved while it waits.
	AssignmentStatus string `json:"assignment_status"`
	// Position is 1 for the next task to be offered; null once the task
	// no longer waits.
	Position *int `json:"position"`
	// TasksInQueue counts the waiting tasks of the queue.
	TasksInQueue int `json:"tasks_in_queue"`
	// EstimatedWaitTime is in seconds; null when there is no estimate
	// (nobody available to take the task, or nothing measured yet).
	EstimatedWaitTime *int `json:"estimated_wait_time"`
	// AvailableWorkers counts the queue's workers available on the task's
	// channel.
	AvailableWorkers int    `json:"available_workers"`
	URL              string `json:"url,omitempty"`
}
