<?php
/**
 * A button after every post (on by default; Settings → Flattr turns it off): on the post's own page and
 * after each post in lists (home, archives), each for its own permalink. Not in feeds, which get the
 * rel="payment" link instead, and not inside excerpts or widgets that run the_content outside the loop.
 */

defined( 'ABSPATH' ) || exit;

add_filter(
	'the_content',
	function ( $content ) {
		if ( ! flattr_button_settings()['after_content'] || is_feed() || 'post' !== get_post_type() || ! in_the_loop() || ! is_main_query() ) {
			return $content;
		}
		$button = flattr_button_markup( array() );
		return '' === $button ? $content : $content . '<p class="flattr-button-after-content">' . $button . '</p>';
	},
	20
);
